/** The Java client library a chat product uses to record responses, thumbs and A/B choices. */
package io.streamrlhf.producers.client;
