/**
 * An embedded single-node KRaft broker for the local stack and for integration tests; the one place server classes
 * are used.
 */
package io.streamrlhf.localstack.broker;
