/**
 * One header per client-address family oxy drops, as the front that sets it spells it, plus the
 * underscore spelling CGI-style upstreams read as the dashed name. Values are recognisable.
 */
export const CLIENT_ADDRESS_SAMPLES: Readonly<Record<string, string>> = {
  'Client-IP': '203.0.113.1',
  'X-Originating-IP': '203.0.113.2',
  'X-Remote-IP': '203.0.113.3',
  'X-Remote-Addr': '203.0.113.4',
  'Forwarded-For': '203.0.113.5',
  'X-Forwarded': 'for=203.0.113.6',
  'Cdn-Src-Ip': '203.0.113.7',
  'X-Scf-Remote-Addr': '203.0.113.8',
  'X-True-Client-IP': '203.0.113.9',
  'Proxy-Client-IP': '203.0.113.10',
  'WL-Proxy-Client-IP': '203.0.113.11',
  'Fly-Client-IP': '203.0.113.12',
  'X-Azure-ClientIP': '203.0.113.13',
  'X-ARR-ClientIP': '203.0.113.14',
  'X-Vercel-Forwarded-For': '203.0.113.15',
  'X-Vercel-IP-Country': 'CN',
  'X-NF-Client-Connection-IP': '203.0.113.16',
  'Akamai-Client-IP': '203.0.113.17',
  'X-Akamai-Edgescape': 'georegion=1,country_code=CN',
  'X-Envoy-External-Address': '203.0.113.18',
  'X-AppEngine-User-IP': '203.0.113.19',
  'X-AppEngine-Country': 'CN',
  'Fastly-Client-IP': '203.0.113.20',
  X_Forwarded_For: '203.0.113.21',
  X_Real_IP: '203.0.113.22',
  Client_IP: '203.0.113.23',
  CF_Connecting_IP: '203.0.113.24',
  X_Fc_Access_Key_Secret: 'fc-underscore-secret',
}
