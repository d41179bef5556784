/** Typed settings of the producer-side components: client, gateway, prompt source and simulated users. */
package io.streamrlhf.producers.config;
