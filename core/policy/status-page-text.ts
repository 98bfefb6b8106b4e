import type { PageLanguage } from './accept-language'

/** The status page's words, in each language it speaks; the script carries its own. */
export interface StatusPageText {
  readonly htmlLang: string
  readonly title: string
  readonly tokenNeeded: string
  readonly version: string
  readonly upstream: string
  readonly upstreams: string
  readonly checking: string
  readonly baseUrl: string
  readonly baseUrlHint: string
  readonly test: string
  readonly tokenLabel: string
  readonly tokenPlaceholder: string
  readonly keyLabel: string
  readonly keyOptional: string
  readonly model: string
  readonly run: string
  readonly keyNote: string
}

export const STATUS_PAGE_TEXT: Readonly<Record<PageLanguage, StatusPageText>> = {
  en: {
    htmlLang: 'en',
    title: 'oxy is running',
    tokenNeeded: 'This proxy needs an access token. Enter one below to test it.',
    version: 'Version',
    upstream: 'Upstream',
    upstreams: 'Upstreams',
    checking: 'Checking the upstream...',
    baseUrl: 'Base URL',
    baseUrlHint: 'Paste this into your client as the OpenAI base URL:',
    test: 'Test',
    tokenLabel: 'Access token',
    tokenPlaceholder: "one of the proxy's OXY_ACCESS_KEYS",
    keyLabel: 'API key',
    keyOptional: ' (leave empty if the proxy holds one)',
    model: 'Model',
    run: 'List models and stream a chat',
    keyNote: 'The key stays in this page: it is sent only to this proxy, never stored.',
  },
  zh: {
    htmlLang: 'zh-CN',
    title: 'oxy 正在运行',
    tokenNeeded: '此代理需要访问令牌。在下面输入令牌即可测试。',
    version: '版本',
    upstream: '上游',
    upstreams: '上游',
    checking: '正在检查上游……',
    baseUrl: 'Base URL（接口地址）',
    baseUrlHint: '把它填进客户端的 OpenAI Base URL（接口地址）：',
    test: '测试',
    tokenLabel: '访问令牌',
    tokenPlaceholder: '此代理的 OXY_ACCESS_KEYS 之一',
    keyLabel: 'API 密钥',
    keyOptional: '（代理自带密钥时可留空）',
    model: '模型',
    run: '列出模型并流式对话',
    keyNote: '密钥只留在本页：它只发给这个代理，不会被保存。',
  },
}
