/**
 * A self-signed certificate for 127.0.0.1 and localhost (valid until 2126) with its key, for tests of HTTPS
 * clients against a loopback server. Test-only: nothing trusts it but the test that passes it as its CA.
 */
export const TEST_TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg8G0CZVINmkRc7HQB
2JeGkzF27v55WSW4iNA0NX1/mCmhRANCAASrxMYHRareZiyOG7naFzwDqj5gru3D
zBI+zdpvYIiRVuSc6T3bEBusVMJyeHxVsx0C4vetKi/vvkDTpho25pTY
-----END PRIVATE KEY-----
`;

export const TEST_TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBmjCCAUGgAwIBAgIUWa/fILZ7ZKiMVsea39KMwjg5G2kwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyMzE4MjU1OFoYDzIxMjYxMDMw
MTgyNTU4WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAASrxMYHRareZiyOG7naFzwDqj5gru3DzBI+zdpvYIiRVuSc6T3bEBus
VMJyeHxVsx0C4vetKi/vvkDTpho25pTYo28wbTAdBgNVHQ4EFgQUfga1txYsfPv+
rcG5nojaJalgl2gwHwYDVR0jBBgwFoAUfga1txYsfPv+rcG5nojaJalgl2gwDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARhwR/AAABgglsb2NhbGhvc3QwCgYIKoZI
zj0EAwIDRwAwRAIgafWDxmnRrcKgrah8uWk1uaX7iFnB78S3M7PrAbvDgUICIGgv
i4fP0q/in9aYn1fJ5zZZmuTNZATltmzxpv3gPj98
-----END CERTIFICATE-----
`;
