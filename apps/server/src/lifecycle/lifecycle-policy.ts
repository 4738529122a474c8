// The lifecycle policy lives in @tether/core; this re-export remains only for the notifier,
// which still imports it from here. Delete it once the notifier imports @tether/core.
export { renewalsExtendHardExpiry } from '@tether/core';
