/** Settings of the command line: layered sources of keys and values for every component. */
package io.streamrlhf.app.config;
