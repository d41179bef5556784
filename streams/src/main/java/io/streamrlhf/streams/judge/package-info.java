/** Rule-based judges and their mixture (CGPO), with Meta-Rewarding's length-controlled choice of best and worst. */
package io.streamrlhf.streams.judge;
