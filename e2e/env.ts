// Known credentials of the e2e server (fresh data directory per run), shared by the config and tests.
export const ADMIN_USER = "admin";
export const ADMIN_PASSWORD = "e2e-admin-password";
export const ADMIN_TOKEN = "vd_srv_e2e_admin_token_00000000000000000000";
export const CLIENT_KEY = "vd_cli_e2e_client_key_000000000000000000000";
