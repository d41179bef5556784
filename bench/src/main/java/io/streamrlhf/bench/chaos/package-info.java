/**
 * The chaos program: the components as separate JVMs on the embedded broker and registry, a known set of events
 * driven through the gateway, SIGKILLs and infrastructure restarts, and a read_committed check that nothing was
 * lost or counted twice.
 */
package io.streamrlhf.bench.chaos;
