/** Publishing policy versions with their lineage, and reading the history of published versions. */
package io.streamrlhf.trainer.publish;
