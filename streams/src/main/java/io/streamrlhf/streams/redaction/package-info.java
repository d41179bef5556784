/** Redaction: personal data (e-mail addresses, phone and card numbers) cleaned out of prompts and completions. */
package io.streamrlhf.streams.redaction;
