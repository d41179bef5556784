/** The one-JVM local stack: embedded broker, schema registry and every topic, started and stopped together. */
package io.streamrlhf.localstack.stack;
