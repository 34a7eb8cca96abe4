/**
 * Plugins loaded when the config has no `plugins:` list, in this order. A bundled plugin that is
 * not installed (an OEM may trim the set) is skipped with a warning; a plugin named explicitly
 * in the config must exist.
 */
export const BUNDLED_PLUGINS: readonly string[] = [
  "@presence-hub/plugin-server-priority",
  "@presence-hub/plugin-voicemail",
  "@presence-hub/plugin-sip-simple",
  "@presence-hub/plugin-tapi",
  "@presence-hub/plugin-http-push",
  "@presence-hub/plugin-console-api",
  "@presence-hub/plugin-admin-web",
  "@presence-hub/plugin-notes",
];
