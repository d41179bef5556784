/** Checks of the Docker deployment's broker settings against a real embedded broker. */
package io.streamrlhf.localstack.compose;
