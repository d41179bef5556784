/** The erasure report: which retained examples an erased user's data made, and which policy versions absorbed them. */
package io.streamrlhf.producers.erasure;
