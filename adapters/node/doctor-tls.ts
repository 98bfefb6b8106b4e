export interface TlsFacts {
  /** The certificate chains to a trusted root and names this host. */
  readonly authorized: boolean
  /** Why not, in OpenSSL's words (`DEPTH_ZERO_SELF_SIGNED_CERT`, `ERR_TLS_CERT_ALTNAME_INVALID`...). */
  readonly error: string | undefined
  readonly protocol: string
  readonly validTo: Date | undefined
}

/**
 * Opens a TLS connection the way any client would (SNI set, system roots) but without refusing a
 * bad certificate, so the doctor can say what is wrong with it instead of only that it failed.
 */
export async function inspectTls(hostname: string, port: number, timeoutMs: number): Promise<TlsFacts> {
  // Loaded here, not at the top: the server shares this bundle and starts faster without it.
  const tls = await import('node:tls')
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: hostname,
      port,
      servername: /^[\d.]+$|:/.test(hostname) ? undefined : hostname,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    })
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no TLS handshake within ${timeoutMs} ms`)))
    socket.once('error', reject)
    socket.once('secureConnect', () => {
      const certificate = socket.getPeerCertificate()
      let error = socket.authorizationError ? String(socket.authorizationError) : undefined
      // Node checks the chain here but leaves the name check to the caller.
      const nameError = certificate.subject ? tls.checkServerIdentity(hostname, certificate) : undefined
      if (!error && nameError) error = nameError.message
      resolve({
        authorized: socket.authorized && !nameError,
        error,
        protocol: socket.getProtocol() ?? 'unknown',
        validTo: certificate.valid_to ? new Date(certificate.valid_to) : undefined,
      })
      socket.end()
    })
  })
}
