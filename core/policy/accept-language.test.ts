import { describe, expect, it } from 'vitest'
import { choosePageLanguage } from './accept-language'

describe('choosePageLanguage', () => {
  it('should speak Chinese to every Chinese tag a browser sends first', () => {
    for (const header of [
      'zh',
      'zh-CN',
      'zh-TW',
      'zh-HK',
      'zh-Hant-TW',
      'ZH-cn',
      'zh-CN,zh;q=0.9,en;q=0.8',
    ]) {
      expect(choosePageLanguage(header), header).toBe('zh')
    }
  })

  it('should follow the weights, not the order', () => {
    expect(choosePageLanguage('en;q=0.5,zh-CN;q=0.9')).toBe('zh')
    expect(choosePageLanguage('zh-CN;q=0.5, en-US;q=0.9')).toBe('en')
    expect(choosePageLanguage('en-US,en;q=0.9,zh-CN;q=0.8,zh;q=0.7')).toBe('en')
    // Languages the page does not speak are skipped, whatever their weight.
    expect(choosePageLanguage('fr-FR,fr;q=0.9,zh;q=0.4')).toBe('zh')
  })

  it('should keep the earlier of two equal weights', () => {
    expect(choosePageLanguage('zh;q=0.8,en;q=0.8')).toBe('zh')
    expect(choosePageLanguage('en,zh')).toBe('en')
  })

  it('should never pick a language the browser refuses with q=0', () => {
    expect(choosePageLanguage('zh;q=0')).toBe('en')
    expect(choosePageLanguage('zh-CN;q=0.000, fr')).toBe('en')
  })

  it('should default to English for no header, other languages, * and malformed entries', () => {
    for (const header of [undefined, '', 'fr', 'ja-JP,ko;q=0.9', '*', 'zh;q=2', 'zh;q=abc', 'zh_CN', ';;,']) {
      expect(choosePageLanguage(header), String(header)).toBe('en')
    }
  })
})
