/** Simulated users with tastes who rate responses and choose between them, for demos, experiments and load. */
package io.streamrlhf.producers.users;
