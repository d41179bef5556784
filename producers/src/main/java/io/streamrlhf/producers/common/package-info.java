/** Pieces the producers' long-running consumers share: how a poll loop survives bad records and outages. */
package io.streamrlhf.producers.common;
