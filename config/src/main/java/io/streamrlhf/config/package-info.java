/**
 * The one settings reader of every component: typed keys, layered sources (defaults, a properties file, the
 * environment, the command line), strict parsing, and errors that name the key and how to set it.
 */
package io.streamrlhf.config;
