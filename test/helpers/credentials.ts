export const TEST_ADMIN_PASSWORD = "test-admin-password";
export const TEST_ADMIN_TOKEN = "vd_srv_test_admin_token_000000000000000000";
export const TEST_CLIENT_KEY = "vd_cli_test_client_key_0000000000000000000";
