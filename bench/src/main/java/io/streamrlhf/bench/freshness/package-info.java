/** Freshness: the time from a feedback event to the first committed policy version trained on its example. */
package io.streamrlhf.bench.freshness;
