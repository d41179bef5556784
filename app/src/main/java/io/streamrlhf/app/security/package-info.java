/**
 * Kafka security of the pipeline: one principal per component and the ACLs each needs ({@code streamrlhf acls}),
 * and the secured local stack ({@code up --secure}, {@code demo --secure}).
 */
package io.streamrlhf.app.security;
