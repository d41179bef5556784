/**
 * Canary routing: which policy version serves a user or a rollout, rebuilt from the canary decisions topic
 * ({@link io.streamrlhf.producers.routing.RoutingTable}, {@link io.streamrlhf.producers.routing.DecisionFollower}) and
 * chosen sticky per user ({@link io.streamrlhf.producers.routing.PolicyRouter}).
 */
package io.streamrlhf.producers.routing;
