/**
 * The trainer's side of canary versions: following the decisions topic to rebase onto the last promoted version
 * after a rollback ({@link io.streamrlhf.trainer.canary.RebasePolicy}, {@link io.streamrlhf.trainer.canary.DecisionLog})
 * and measuring judged pass rates on held-out prompts for the pre-canary gate
 * ({@link io.streamrlhf.trainer.canary.GateEvaluator}).
 */
package io.streamrlhf.trainer.canary;
