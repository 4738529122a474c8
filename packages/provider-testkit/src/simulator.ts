/*
 * The simulator engine lives in @tether/simulator; this entry point keeps it where the
 * conformance kit's users (provider tests, the host's tests) have been importing it from.
 */
export * from '@tether/simulator';
