/**
 * The headers each platform injects into requests, with real names and realistic values.
 * Tests send them through the proxy and assert none reaches the upstream.
 */
export const PLATFORM_HEADERS = {
  /** Tencent SCF Web functions; function URLs add x-scf-remote-addr. */
  tencentScf: {
    'X-Scf-Request-Id': '0f8b3f4e-1c2d-4e5f-9a8b-7c6d5e4f3a2b',
    'X-Scf-Memory': '128',
    'X-Scf-Timeout': '900',
    'X-Scf-Version': '$LATEST',
    'X-Scf-Name': 'oxy',
    'X-Scf-Namespace': 'default',
    'X-Scf-Region': 'na-siliconvalley',
    'X-Scf-Appid': '1250000000',
    'X-Scf-Uin': '100000000001',
    'X-Scf-Remote-Addr': '203.0.113.7',
    // Not in Tencent's header table, but sent: the role's temporary credentials.
    'X-Scf-Secret-Id': 'AKIDfakeSecretId',
    'X-Scf-Secret-Key': 'fakeSecretKey1234567890',
    'X-Scf-Session-Token': 'fakeSessionToken==',
  },
  /** Aliyun FC 3.0 custom runtime: the access key trio is the function role's live credentials. */
  aliyunFc: {
    'x-fc-request-id': '1-6745e0b1-0d3a5c7e9f1b2d4c6e8a0b1c',
    'x-fc-access-key-id': 'STS.NTfakeAccessKeyId',
    'x-fc-access-key-secret': 'fakeAccessKeySecret1234567890',
    'x-fc-security-token': 'CAISfakeSecurityToken==',
    'x-fc-function-name': 'oxy',
    'x-fc-function-memory': '128',
    'x-fc-function-timeout': '600',
    'x-fc-function-handler': 'index.handler',
    'x-fc-function-initializer': '',
    'x-fc-region': 'ap-southeast-1',
    'x-fc-account-id': '1234567890123456',
    'x-fc-qualifier': 'LATEST',
    'x-fc-version-id': '',
    'x-fc-instance-id': 'c-6745e0b1-fake',
  },
  /** Cloudflare in front of a Worker or any origin. */
  cloudflare: {
    'CF-Connecting-IP': '203.0.113.7',
    'CF-IPCountry': 'CN',
    'CF-Ray': '8e1f2a3b4c5d6e7f-HKG',
    'CF-Visitor': '{"scheme":"https"}',
    'CF-Worker': 'example.workers.dev',
    'CDN-Loop': 'cloudflare',
  },
  /** AWS API Gateway, CloudFront and function URLs. */
  aws: {
    'X-Amzn-Trace-Id': 'Root=1-5e1b4151-5ac6c58f0d1a2b3c4d5e6f70',
    'X-Amz-Cf-Id': 'nBsWBOrSHMgnaROZJK1wGCZ9PcRcSpq_oSXZNQwQ10OTZL4cimZo3g==',
    'CloudFront-Viewer-Country': 'CN',
    'CloudFront-Is-Desktop-Viewer': 'true',
    'CloudFront-Forwarded-Proto': 'https',
    Via: '2.0 a3650115c5e21e2b5d133ce84464bea3.cloudfront.net (CloudFront)',
    'X-Forwarded-Port': '443',
  },
  /** Vercel's proxy in front of a function: https://vercel.com/docs/headers/request-headers */
  vercel: {
    'X-Vercel-Id': 'hkg1::iad1::abcde-1733000000000-0123456789ab',
    'X-Vercel-IP-Country': 'CN',
    'X-Vercel-IP-Country-Region': 'GD',
    'X-Vercel-IP-City': 'Shenzhen',
    'X-Vercel-IP-Latitude': '22.5431',
    'X-Vercel-IP-Longitude': '114.0579',
    'X-Vercel-IP-Timezone': 'Asia/Shanghai',
    'X-Vercel-Forwarded-For': '203.0.113.7',
    'X-Vercel-Deployment-Url': 'oxy-abc123.vercel.app',
    'X-Vercel-Oidc-Token': 'eyJhbGciOiJSUzI1NiJ9.fakeVercelOidcToken.sig',
    'X-Matched-Path': '/api/oxy',
  },
  /** Netlify in front of an edge function or a function. */
  netlify: {
    'X-Nf-Client-Connection-Ip': '203.0.113.7',
    'X-Nf-Geo': 'eyJjaXR5IjoiU2hlbnpoZW4iLCJjb3VudHJ5Ijp7ImNvZGUiOiJDTiJ9fQ==',
    'X-Nf-Account-Id': '5f0c0ffee0c0ffee0c0ffee0',
    'X-Nf-Site-Id': '0c0ffee0-1234-4321-abcd-0c0ffee00000',
    'X-Nf-Deploy-Id': '6745e0b10c0ffee000000001',
    'X-Nf-Request-Id': '01JDQ0FAKE0REQUEST0ID00000',
    'Client-Ip': '203.0.113.7',
    'X-Bb-Ip': '203.0.113.7',
    'X-Country': 'CN',
  },
  /** Deno Deploy's edge. */
  denoDeploy: {
    'X-Deno-Ray': '8e1f2a3b4c5d6e7f',
    'X-Deno-Subhost': 'oxy',
  },
} as const
