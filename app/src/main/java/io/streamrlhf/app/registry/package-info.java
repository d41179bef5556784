/**
 * The project's schema registry as a service of its own ({@code streamrlhf registry}): its log on a Kafka cluster,
 * TLS, basic authentication with roles, and health endpoints.
 */
package io.streamrlhf.app.registry;
