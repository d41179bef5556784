/** Typed topic descriptors, topic names and layout, and the one topic provisioner. */
package io.streamrlhf.schemas.topic;
