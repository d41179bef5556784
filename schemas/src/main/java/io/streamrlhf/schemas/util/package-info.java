/** Small shared helpers. */
package io.streamrlhf.schemas.util;
