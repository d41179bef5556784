/** The schema-registry client (Confluent REST API), an in-memory registry, and the BACKWARD compatibility rules. */
package io.streamrlhf.schemas.registry;
