/**
 * {@code streamrlhf replay}: the streams topology replayed over retained events into branch topics, and a branch
 * model trained on them from a version of the main model.
 */
package io.streamrlhf.app.replay;
