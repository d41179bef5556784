/** The learning-curve experiment: whole-stack runs scored on held-out prompts, against an offline-DPO baseline. */
package io.streamrlhf.bench.experiment;
