import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseToml } from 'smol-toml'
import { describe, expect, it } from 'vitest'
import { parseAllDocuments, parse as parseYaml } from 'yaml'
import { FC_DEFAULTS } from '../adapters/aliyun-fc/defaults'
import { parseWorkers } from '../adapters/node/cluster'
import { TARGETS } from '../build/targets'
import { HEALTH_PATH, parseConfig, parseLimitsConfig, parseRedisUrl } from '../core'

/**
 * The deployment templates for each cloud's own tooling are checked for shape here: every file,
 * handler, port and variable they name must be one the build and the code really provide. None of
 * the tools (sam, s, wrangler, docker) runs on this machine, so this is as far as tests go.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const read = (file: string) => readFile(path.join(ROOT, file), 'utf8')

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, checked field by field below
type Yaml = Record<string, any>

function targetFor(zip: string) {
  const target = TARGETS.find((t) => t.zip === zip)
  if (!target) throw new Error(`no build target makes ${zip}`)
  return target
}

/** The variable names docs/configuration.md documents, so templates cannot invent one. */
async function documentedVariables(): Promise<Set<string>> {
  const doc = await read('docs/configuration.md')
  return new Set([...doc.matchAll(/^\| `([A-Z_]+)`/gm)].map((match) => match[1]!))
}

/** Where a template's relative code path points, from the repository root. */
function resolveFrom(template: string, codePath: string): string {
  return path.relative(ROOT, path.resolve(ROOT, path.dirname(template), codePath))
}

describe('templates/aws-sam/template.yaml', () => {
  it('should deploy aws-lambda.zip with the streaming handler behind a RESPONSE_STREAM function URL', async () => {
    const template: Yaml = parseYaml(await read('templates/aws-sam/template.yaml'))
    expect(template.Transform).toBe('AWS::Serverless-2016-10-31')
    const fn = template.Resources.OxyFunction
    expect(fn.Type).toBe('AWS::Serverless::Function')
    const props = fn.Properties
    const target = targetFor('aws-lambda.zip')
    expect(resolveFrom('templates/aws-sam/template.yaml', props.CodeUri)).toBe(`dist-zips/${target.zip}`)
    expect(props.Handler).toBe(`${path.basename(target.bundle.name, '.js')}.streamHandler`)
    expect(await read(target.bundle.entry)).toMatch(/^export const streamHandler\b/m)
    expect(props.Runtime).toMatch(/^nodejs(20|22|24)\.x$/)
    expect(props.Timeout).toBeLessThanOrEqual(900)
    expect(props.FunctionUrlConfig).toEqual({ AuthType: 'NONE', InvokeMode: 'RESPONSE_STREAM' })
    // SAM names the URL resource <function>Url; the output gives clients the base URL.
    expect(template.Outputs.OxyBaseUrl.Value['Fn::Sub'][1].Url['Fn::GetAtt']).toBe(
      'OxyFunctionUrl.FunctionUrl',
    )
  })

  it('should set only documented variables, with defaults oxy accepts', async () => {
    const template: Yaml = parseYaml(await read('templates/aws-sam/template.yaml'))
    const variables: Record<string, { Ref: string }> =
      template.Resources.OxyFunction.Properties.Environment.Variables
    const documented = await documentedVariables()
    const env: Record<string, string> = {}
    for (const [name, value] of Object.entries(variables)) {
      expect(documented, name).toContain(name)
      env[name] = template.Parameters[value.Ref].Default
    }
    expect(() => parseConfig(env)).not.toThrow()
  })
})

describe('templates/aliyun-fc/s.yaml', () => {
  it('should deploy aliyun-fc.zip on custom.debian10, started by /code/main on port 9000', async () => {
    const s: Yaml = parseYaml(await read('templates/aliyun-fc/s.yaml'))
    expect(s.edition).toBe('3.0.0')
    const fn = s.resources.oxy
    expect(fn.component).toBe('fc3')
    const props = fn.props
    expect(props.runtime).toBe('custom.debian10')
    const target = targetFor('aliyun-fc.zip')
    expect(resolveFrom('templates/aliyun-fc/s.yaml', props.code)).toBe(`dist-zips/${target.zip}`)
    expect(props.customRuntimeConfig.command).toEqual(['/code/main'])
    expect(target.files.find((file) => file.name === 'main')?.executable).toBe(true)
    expect(props.customRuntimeConfig.port).toBe(9000)
    expect(props.customRuntimeConfig.port).toBe(FC_DEFAULTS.port)
    const trigger = props.triggers[0]
    expect(trigger.triggerType).toBe('http')
    expect(trigger.triggerConfig.authType).toBe('anonymous')
    expect(trigger.triggerConfig.methods).toEqual(expect.arrayContaining(['GET', 'POST', 'OPTIONS']))
  })

  it('should set only documented variables, with values oxy accepts', async () => {
    const s: Yaml = parseYaml(await read('templates/aliyun-fc/s.yaml'))
    const env: Record<string, string> = s.resources.oxy.props.environmentVariables
    const documented = await documentedVariables()
    for (const name of Object.keys(env)) expect(documented, name).toContain(name)
    expect(() => parseConfig(env, FC_DEFAULTS)).not.toThrow()
  })
})

describe('adapters/cloudflare-workers/wrangler.toml', () => {
  it('should deploy the built worker.js with documented variables', async () => {
    const toml = parseToml(await read('adapters/cloudflare-workers/wrangler.toml')) as Yaml
    const target = targetFor('cloudflare-workers.zip')
    expect(toml.main).toBe(target.bundle.name)
    expect(target.files.map((file) => file.name)).toContain('wrangler.toml')
    expect(toml.compatibility_date).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    expect(toml.compatibility_flags).toContain('enable_request_signal')
    const documented = await documentedVariables()
    for (const name of Object.keys(toml.vars)) expect(documented, name).toContain(name)
    expect(() => parseConfig(toml.vars)).not.toThrow()
  })
})

describe('Dockerfile and docker-compose.yml (shape only: Docker does not run here)', () => {
  it('should run node-server.zip as built, as a non-root user, on port 9000', async () => {
    const dockerfile = await read('Dockerfile')
    const target = targetFor('node-server.zip')
    const packageJson = JSON.parse(await read('package.json')) as { scripts: Record<string, string> }
    expect(dockerfile).toContain('RUN npm ci ')
    expect(dockerfile).toContain('RUN npm run build\n')
    expect(packageJson.scripts.build).toBeDefined()
    expect(dockerfile).toContain(`/src/dist-zips/${target.zip}`)
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '))
    expect(finalStage).toMatch(/^\nFROM node:(\d+)-/)
    expect(Number(/^\nFROM node:(\d+)-/.exec(finalStage)![1])).toBeGreaterThanOrEqual(18)
    expect(finalStage).toContain(`COPY --from=unpack /app/${target.bundle.name} /app/${target.bundle.name}`)
    for (const chunk of target.bundle.chunks ?? []) {
      expect(finalStage).toContain(`COPY --from=unpack /app/${chunk.name} /app/${chunk.name}`)
    }
    expect(finalStage).toMatch(/OXY_HOST=0\.0\.0\.0/)
    expect(finalStage).toMatch(/OXY_PORT=9000/)
    expect(finalStage).toContain('EXPOSE 9000')
    expect(finalStage).toContain('USER node')
    expect(finalStage).toContain('/_oxy/health')
    expect(finalStage.trim().split('\n').at(-1)).toBe(`CMD ["node", "/app/${target.bundle.name}"]`)
    expect((await read('.dockerignore')).split('\n')).toEqual(
      expect.arrayContaining(['node_modules', 'dist-zips']),
    )
  })

  it('should publish port 9000 and pass documented variables whose defaults oxy accepts', async () => {
    const compose: Yaml = parseYaml(await read('docker-compose.yml'))
    const service = compose.services.oxy
    expect(service.build).toBe('.')
    expect(service.ports).toEqual(['9000:9000'])
    const documented = await documentedVariables()
    const env: Record<string, string> = {}
    for (const [name, value] of Object.entries(service.environment as Record<string, string>)) {
      expect(documented, name).toContain(name)
      // Compose's ${NAME:-default}: what the container gets when the user set nothing.
      env[name] = String(value).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')
    }
    expect(env.OXY_PORT).toBe('9000')
    expect(() => parseConfig(env)).not.toThrow()
    expect(() => parseWorkers(env)).not.toThrow()
  })
})

describe('templates/kubernetes/oxy.yaml and the compose Redis (shape only: no cluster here)', () => {
  /** Limits' variables are documented in docs/limits.md beside the rest. */
  async function limitsVariables(): Promise<Set<string>> {
    const doc = await read('docs/limits.md')
    const names = [...doc.matchAll(/^\| `([A-Z_]+)`/gm)].map((match) => match[1]!)
    return new Set([...(await documentedVariables()), ...names])
  }

  async function manifests(): Promise<Yaml[]> {
    return parseAllDocuments(await read('templates/kubernetes/oxy.yaml')).map((doc) => doc.toJS() as Yaml)
  }
  const find = (docs: Yaml[], kind: string, name: string) => {
    const found = docs.find((doc) => doc.kind === kind && doc.metadata.name === name)
    if (!found) throw new Error(`no ${kind} ${name}`)
    return found
  }

  it('should run oxy pods that are ready on /_oxy/health, behind a Service, scaled by an HPA', async () => {
    const docs = await manifests()
    const deployment = find(docs, 'Deployment', 'oxy')
    const pod = deployment.spec.template
    expect(deployment.spec.selector.matchLabels).toEqual(pod.metadata.labels)
    const [container] = pod.spec.containers
    const port = container.ports.find((p: Yaml) => p.name === 'http')
    const env = Object.fromEntries(container.env.map((e: Yaml) => [e.name, e.value]))
    expect(port.containerPort).toBe(Number(env.OXY_PORT))
    expect(env.OXY_HOST).toBe('0.0.0.0')
    expect(container.readinessProbe.httpGet).toEqual({ path: HEALTH_PATH, port: 'http' })
    expect(container.resources.requests.cpu).toBeDefined()
    // The image's user is node (uid 1000): the pod must not need root.
    expect(pod.spec.securityContext.runAsNonRoot).toBe(true)

    const service = find(docs, 'Service', 'oxy')
    expect(service.spec.selector).toEqual(pod.metadata.labels)
    expect(service.spec.ports[0].targetPort).toBe('http')

    const hpa = find(docs, 'HorizontalPodAutoscaler', 'oxy')
    expect(hpa.apiVersion).toBe('autoscaling/v2')
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'oxy' })
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2)
  })

  it('should give every pod the config from documented variables that oxy accepts, Redis included', async () => {
    const docs = await manifests()
    const container = find(docs, 'Deployment', 'oxy').spec.template.spec.containers[0]
    const sources = container.envFrom.map((source: Yaml) =>
      source.configMapRef
        ? find(docs, 'ConfigMap', source.configMapRef.name).data
        : find(docs, 'Secret', source.secretRef.name).stringData,
    )
    const env: Record<string, string> = Object.assign({}, ...sources)
    for (const e of container.env) env[e.name] = e.value
    const documented = await limitsVariables()
    for (const name of Object.keys(env).filter((n) => n.startsWith('OXY_')))
      expect(documented, name).toContain(name)
    expect(() => parseConfig(env)).not.toThrow()
    const limits = parseLimitsConfig(env)
    // OXY_REDIS_URL names the Redis Service and port, with the password Redis is started with.
    const redisService = find(docs, 'Service', 'oxy-redis')
    expect(limits?.redis).toMatchObject({ host: 'oxy-redis', port: redisService.spec.ports[0].port })
    expect(limits?.redis?.password).toBe(env.REDIS_PASSWORD)
    const redis = find(docs, 'Deployment', 'oxy-redis').spec.template.spec.containers[0]
    expect(redis.args.slice(0, 2)).toEqual(['--requirepass', '$(REDIS_PASSWORD)'])
    expect(redis.env[0].valueFrom.secretKeyRef.key).toBe('REDIS_PASSWORD')
  })

  it('should offer Redis in docker-compose.yml as an opt-in profile that oxy reaches by its service name', async () => {
    const compose: Yaml = parseYaml(await read('docker-compose.yml'))
    expect(compose.services.redis.profiles).toEqual(['redis'])
    expect(compose.services.oxy.depends_on.redis.required).toBe(false)
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Compose's own ${NAME:-default} syntax
    expect(compose.services.oxy.environment.OXY_REDIS_URL).toBe('${OXY_REDIS_URL:-}')
    const header = (await read('docker-compose.yml')).split('\nservices:')[0]!
    const url = /OXY_REDIS_URL=(\S+)/.exec(header)?.[1] ?? ''
    const host = parseRedisUrl('OXY_REDIS_URL', url).host
    expect(compose.services[host]).toBe(compose.services.redis)
    expect(header).toContain('COMPOSE_PROFILES=redis')
  })
})
