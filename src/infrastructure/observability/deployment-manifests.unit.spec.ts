/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return --
   walks third-party YAML (compose, Kubernetes, Prometheus, Grafana) whose shape is exactly what the assertions check */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../../config/config';

/**
 * docker/ cannot be run here (no Docker in CI), so what can be checked
 * without it is checked: the compose and Kubernetes settings are a valid
 * production configuration for this app, use only variables it reads, and
 * agree with each other on ports, probes and paths.
 */
const ROOT = join(__dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const yamlDocuments = (path: string) => parseAllDocuments(read(path)).map((document) => document.toJS() as Record<string, any>);

/** The variables config.ts validates (its EnvSchema keys), plus OpenTelemetry's own OTEL_* (read by src/tracing.ts and the SDK). */
function variablesTheAppReads(): Set<string> {
  const source = read('src/config/config.ts');
  const schema = source.slice(source.indexOf('const EnvSchema'), source.indexOf('export type Env'));
  return new Set([...schema.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((match) => match[1] as string));
}
const isKnown = (known: Set<string>, name: string) => known.has(name) || name.startsWith('OTEL_');

interface ManifestResult {
  file: string;
  kind: string;
  name: string;
  schema: string | null;
  errors: string[];
}

/** test/support/kubernetes-manifests.mjs, in a process of its own (kubernetes-models ships ES modules only). */
function validateManifests(files: string[]): ManifestResult[] {
  const output = execFileSync(process.execPath, [join(ROOT, 'test/support/kubernetes-manifests.mjs'), ...files], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(output) as ManifestResult[];
}

/** `${NAME:-default}` as compose resolves it with nothing set. */
const composeDefaults = (value: string) => value.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

describe('deployment manifests (docker/)', () => {
  const known = variablesTheAppReads();

  it('sees the variables config.ts validates', () => {
    expect([...known]).toEqual(expect.arrayContaining(['DATABASE_URL', 'EVENTSTORE_URL', 'S3_ENDPOINT', 'JWT_SECRET', 'LOG_FORMAT']));
  });

  describe('compose.yml', () => {
    const compose = parse(read('docker/compose.yml')) as Record<string, any>;
    const app = compose.services.app;
    const environment = Object.fromEntries(Object.entries(app.environment as Record<string, string>).map(([name, value]) => [name, composeDefaults(String(value))]));

    it('gives the app a valid production configuration, with only variables it reads', () => {
      expect(Object.keys(environment).filter((name) => !isKnown(known, name))).toEqual([]);
      const config = loadConfig(environment);
      expect(config).toMatchObject({ env: 'production', eventStore: { adapter: 'kurrentdb' }, blobStorage: { adapter: 'minio' }, log: { format: 'json' } });
    });

    it('runs the whole stack: app, KurrentDB, PostgreSQL with a replica and backups, MinIO, Prometheus, Grafana, Jaeger', () => {
      expect(Object.keys(compose.services)).toEqual(
        expect.arrayContaining(['app', 'grafana', 'jaeger', 'kurrentdb', 'minio', 'postgres', 'postgres-replica', 'postgres-backup', 'prometheus']),
      );
      expect(environment.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://jaeger:4318');
      expect(new URL(environment.DATABASE_URL as string).hostname).toBe('postgres');
      expect(new URL(environment.S3_ENDPOINT as string).hostname).toBe('minio');
    });

    it('points Prometheus at the app and Grafana at its provisioned dashboards', () => {
      const prometheus = parse(read('docker/prometheus/prometheus.yml')) as Record<string, any>;
      const job = prometheus.scrape_configs.find((scrape: { job_name: string }) => scrape.job_name === 'alexandrite');
      expect(job.metrics_path).toBe('/metrics');
      // Metrics have their own listener (METRICS_PORT, default 9464), which compose does not publish.
      const metricsPort = loadConfig(environment).metrics.port;
      expect(metricsPort).toBe(9464);
      expect(job.static_configs[0].targets).toEqual([`app:${metricsPort}`]);
      expect(app.ports.some((mapping: string) => mapping.endsWith(`:${metricsPort}`))).toBe(false);
      const provider = parse(read('docker/grafana/provisioning/dashboards/alexandrite.yml')) as Record<string, any>;
      expect(compose.services.grafana.volumes).toContain(`./grafana/dashboards:${provider.providers[0].options.path}:ro`);
      const datasource = parse(read('docker/grafana/provisioning/datasources/prometheus.yml')) as Record<string, any>;
      expect(datasource.datasources[0]).toMatchObject({ uid: 'prometheus', url: 'http://prometheus:9090' });
    });
  });

  describe('compose PostgreSQL: pgBackRest to MinIO and a streaming replica', () => {
    const compose = parse(read('docker/compose.yml')) as Record<string, any>;
    const { postgres, 'postgres-replica': replica, 'postgres-backup': backup, 'minio-tls': minioTls } = compose.services;
    const settings = (command: string[]) => Object.fromEntries(command.filter((_, index) => command[index - 1] === '-c').map((setting) => setting.split(/=(.*)/s).slice(0, 2)));
    const pgbackrest = Object.fromEntries(
      read('docker/postgres/pgbackrest.conf')
        .split('\n')
        .filter((line) => /^[a-z0-9-]+=/.test(line))
        .map((line) => line.split(/=(.*)/s).slice(0, 2)),
    ) as Record<string, string>;

    it('archives every WAL segment of the primary with pgBackRest, at least once a minute', () => {
      const primary = settings(postgres.command);
      expect(primary).toMatchObject({ wal_level: 'replica', archive_mode: 'on', archive_timeout: '60' });
      expect(primary.archive_command).toBe(`pgbackrest --stanza=alexandrite archive-push %p`);
      expect(read('docker/postgres/pgbackrest.conf')).toMatch(/^\[alexandrite\]$/m);
    });

    it('keeps the pgBackRest repository in MinIO over S3, through the TLS proxy in front of the minio service', () => {
      expect(pgbackrest).toMatchObject({ 'repo1-type': 's3', 'repo1-s3-endpoint': 'minio-tls', 'repo1-s3-uri-style': 'path', 'repo1-s3-bucket': 'alexandrite-backups' });
      expect(read('docker/postgres/minio-tls.nginx.conf')).toMatch(new RegExp(`listen ${pgbackrest['repo1-storage-port']} ssl;[\\s\\S]*proxy_pass minio:9000;`));
      expect(minioTls.volumes).toContain('./postgres/minio-tls.nginx.conf:/etc/nginx/nginx.conf:ro');
      expect(compose.services['minio-buckets'].command[0]).toContain(`mc mb --ignore-existing local/${pgbackrest['repo1-s3-bucket']}`);
      // The S3 keys pgBackRest uses are MinIO's.
      for (const service of [postgres, backup]) {
        expect(composeDefaults(service.environment.PGBACKREST_REPO1_S3_KEY)).toBe(composeDefaults(compose.services.minio.environment.MINIO_ROOT_USER));
        expect(composeDefaults(service.environment.PGBACKREST_REPO1_S3_KEY_SECRET)).toBe(composeDefaults(compose.services.minio.environment.MINIO_ROOT_PASSWORD));
      }
    });

    it('runs the backups beside the primary data directory, full and differential', () => {
      expect(backup.volumes).toEqual(expect.arrayContaining(postgres.volumes.filter((volume: string) => /postgresql/.test(volume))));
      expect(pgbackrest['pg1-path']).toBe(postgres.volumes.find((volume: string) => volume.startsWith('postgres-data:')).split(':')[1]);
      const loop = read('docker/postgres/backup-loop.sh');
      expect(loop).toContain('stanza-create');
      expect(loop).toMatch(/backup --type=full/);
      expect(loop).toMatch(/type=diff/);
    });

    it('gives the app the standby as its read replica', () => {
      const app = compose.services.app;
      const readUrls = loadConfig(Object.fromEntries(Object.entries(app.environment as Record<string, string>).map(([name, value]) => [name, composeDefaults(String(value))])))
        .database.readReplicaUrls;
      expect(readUrls.map((url: string) => new URL(url).hostname)).toEqual(['postgres-replica']);
      expect(app.depends_on['postgres-replica']).toEqual({ condition: 'service_started' });
    });

    it('streams a hot standby from the primary, which falls back to the archive', () => {
      const entrypoint = read('docker/postgres/replica-entrypoint.sh');
      expect(replica.entrypoint).toEqual(['replica-entrypoint.sh']);
      expect(entrypoint).toMatch(/pg_basebackup -h postgres -U replicator -D "\$PGDATA" -R -X stream/);
      expect(entrypoint).toContain(`restore_command='pgbackrest --stanza=alexandrite archive-get %f "%p"'`);
      expect(read('docker/postgres/initdb-replication.sh')).toMatch(/CREATE ROLE replicator WITH REPLICATION LOGIN/);
      expect(replica.depends_on.postgres).toEqual({ condition: 'service_healthy' });
      expect(Number(settings(postgres.command).max_wal_senders)).toBeGreaterThan(0);
    });
  });

  describe('Dockerfile', () => {
    const dockerfile = read('docker/Dockerfile');

    it('builds in stages on node:24-slim and runs as the unprivileged node user with a liveness healthcheck', () => {
      expect(dockerfile.match(/^FROM node:24-slim AS \w+/gm)).toHaveLength(2);
      expect(dockerfile).toMatch(/^USER node$/m);
      expect(dockerfile).toMatch(/^HEALTHCHECK [^\n]*\\\n[^\n]*\/health\/live/m);
      expect(dockerfile).toMatch(/^CMD \["node", "--enable-source-maps", "dist\/src\/main.js"\]$/m);
    });
  });

  describe('Kubernetes (docker/k8s)', () => {
    const kustomization = parse(read('docker/k8s/kustomization.yml')) as { resources: string[]; namespace: string };
    const kustomizationNamespace = kustomization.namespace;
    const allResources = kustomization.resources.flatMap((file) => yamlDocuments(`docker/k8s/${file}`));
    // The app's own resources (its PostgreSQL cluster included); the KurrentDB cluster is checked on its own below.
    const resources = allResources.filter((resource) => resource.metadata?.labels?.['app.kubernetes.io/name'] === 'alexandrite');
    const byKind = (kind: string) => resources.find((resource) => resource.kind === kind) as Record<string, any>;
    const configMap = byKind('ConfigMap');
    const secret = yamlDocuments('docker/k8s/secret.example.yml')[0] as Record<string, any>;
    const deployment = byKind('Deployment');
    const container = deployment.spec.template.spec.containers[0];

    /** The container's own variables, a Secret's value replaced by a stand-in of the right shape. */
    const containerEnvironment = () =>
      Object.fromEntries(
        (container.env as { name: string; value?: string; valueFrom?: { secretKeyRef: { key: string } } }[]).map(({ name, value, valueFrom }) => [
          name,
          value ?? (valueFrom?.secretKeyRef.key === 'uri' ? 'postgresql://alexandrite:generated@alexandrite-db-rw.alexandrite:5432/alexandrite' : 'generated'),
        ]),
      );

    it('has a Deployment, Service, HPA, PDB, ConfigMap and the PostgreSQL cluster', () => {
      expect(resources.map((resource) => resource.kind)).toEqual(
        expect.arrayContaining(['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Service', 'Cluster', 'ScheduledBackup', 'Pooler']),
      );
    });

    it('ConfigMap plus the Secret it references make a valid production configuration, with only variables the app reads', () => {
      expect(container.envFrom).toEqual([{ configMapRef: { name: configMap.metadata.name } }, { secretRef: { name: secret.metadata.name } }]);
      const environment = { ...configMap.data, ...secret.stringData, ...containerEnvironment() } as Record<string, string>;
      // PGPASSWORD is libpq's: node-postgres reads it for DATABASE_READ_URL, which carries no password.
      delete environment.PGPASSWORD;
      expect(Object.keys(environment).filter((name) => !isKnown(known, name))).toEqual([]);
      expect(loadConfig(environment)).toMatchObject({ env: 'production', log: { format: 'json' } });
      // Secrets stay out of the ConfigMap.
      expect(Object.keys(configMap.data).filter((name) => /SECRET|PASSWORD|KEY|DATABASE_URL|REDIS_URL/.test(name))).toEqual([]);
    });

    it('probes liveness and readiness on the app port, with resource requests', () => {
      expect(container.ports[0].containerPort).toBe(Number(configMap.data.PORT));
      expect(container.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
      expect(container.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
      expect(deployment.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    });

    it('has Prometheus scrape the metrics port, which the Service does not expose', () => {
      const metricsPort = loadConfig({ ...configMap.data, ...secret.stringData, DATABASE_URL: containerEnvironment().DATABASE_URL }).metrics.port;
      expect(container.ports.find((port: { name: string }) => port.name === 'metrics')?.containerPort).toBe(metricsPort);
      expect(deployment.spec.template.metadata.annotations).toMatchObject({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(metricsPort),
        'prometheus.io/path': '/metrics',
      });
      expect(byKind('Service').spec.ports.map((port: { targetPort: string }) => port.targetPort)).toEqual(['http']);
    });

    describe('KurrentDB (kurrentdb.yml)', () => {
      const kurrentdb = yamlDocuments('docker/k8s/kurrentdb.yml');
      const ofKind = (kind: string) => kurrentdb.filter((resource) => resource.kind === kind);
      const statefulSet = ofKind('StatefulSet')[0] as Record<string, any>;
      const node = statefulSet.spec.template.spec.containers[0];
      const env = Object.fromEntries((node.env as Array<{ name: string; value?: string; valueFrom?: unknown }>).map((entry) => [entry.name, entry.value ?? entry.valueFrom]));
      const credentials = yamlDocuments('docker/k8s/secret.example.yml').find((document) => document.metadata.name === 'kurrentdb-credentials') as Record<string, any>;
      const eventStoreUrl = new URL(secret.stringData.EVENTSTORE_URL as string);
      const namespace = (parse(read('docker/k8s/kustomization.yml')) as { namespace: string }).namespace;

      it('is deployed with the app, as a 3-node cluster behind a headless Service', () => {
        expect(kustomization.resources).toContain('kurrentdb.yml');
        expect(statefulSet.spec.replicas).toBe(3);
        expect(env.KURRENTDB_CLUSTER_SIZE).toBe('3');
        const service = ofKind('Service').find((candidate) => candidate.metadata.name === statefulSet.spec.serviceName) as Record<string, any>;
        expect(service.spec.clusterIP).toBe('None');
        expect(service.spec.selector).toEqual(statefulSet.spec.template.metadata.labels);
        expect(env.KURRENTDB_CLUSTER_DNS).toBe(`${service.metadata.name}.${namespace}.svc.cluster.local`);
      });

      it('is secure: TLS with certificates from a Secret, built-in passwords from the credentials Secret, no projections, a pinned image', () => {
        expect(env.KURRENTDB_INSECURE).toBeUndefined();
        expect(env.KURRENTDB_CERTIFICATE_FILE).toMatch(/^\/etc\/kurrentdb\/tls\//);
        expect(node.readinessProbe.httpGet.scheme).toBe('HTTPS');
        const certificate = ofKind('Certificate').find((candidate) => candidate.spec.commonName === env.KURRENTDB_CERTIFICATE_RESERVED_NODE_COMMON_NAME) as Record<string, any>;
        expect(certificate.spec.dnsNames).toContain(`*.${statefulSet.spec.serviceName}.${namespace}.svc.cluster.local`);
        const tlsVolume = statefulSet.spec.template.spec.volumes.find((volume: { name: string }) => volume.name === 'tls');
        expect(tlsVolume.secret.secretName).toBe(certificate.spec.secretName);
        expect(env.KURRENTDB_DEFAULT_ADMIN_PASSWORD).toEqual({ secretKeyRef: { name: credentials.metadata.name, key: 'ADMIN_PASSWORD' } });
        expect(env.KURRENTDB_DEFAULT_OPS_PASSWORD).toEqual({ secretKeyRef: { name: credentials.metadata.name, key: 'OPS_PASSWORD' } });
        expect(env.KURRENTDB_RUN_PROJECTIONS).toBe('None');
        expect(env.KURRENTDB_START_STANDARD_PROJECTIONS).toBe('false');
        expect(Object.keys(env).filter((name) => name.includes('ATOM_PUB'))).toEqual([]);
        expect(node.image).toMatch(/:25\.1\.1$/);
      });

      it("gives the app discovery, TLS verified with the cluster's CA, the leader, and the user the bootstrap Job creates", () => {
        expect(eventStoreUrl.protocol).toBe('kurrentdb+discover:');
        expect(eventStoreUrl.hostname).toBe(`${statefulSet.spec.serviceName}.${namespace}.svc.cluster.local`);
        expect(eventStoreUrl.searchParams.get('tls')).toBe('true');
        expect(eventStoreUrl.searchParams.get('nodePreference')).toBe('leader');
        expect(eventStoreUrl.username).toBe('alexandrite');
        expect(eventStoreUrl.password).toBe(credentials.stringData.APP_PASSWORD);
        const caFile = eventStoreUrl.searchParams.get('tlsCAFile')!;
        const mount = container.volumeMounts.find((candidate: { mountPath: string }) => caFile.startsWith(`${candidate.mountPath}/`));
        const volume = deployment.spec.template.spec.volumes.find((candidate: { name: string }) => candidate.name === mount.name);
        expect(volume.secret).toEqual({ secretName: 'kurrentdb-tls', items: [{ key: 'ca.crt', path: caFile.slice(mount.mountPath.length + 1) }] });
        const script = (ofKind('ConfigMap')[0] as Record<string, any>).data['bootstrap.mjs'] as string;
        expect(script).toContain("loginName: 'alexandrite'");
        expect(script).toContain("setStreamMetadata('$all', { acl: { readRoles: ['$admins', 'alexandrite'] } })");
        const job = ofKind('Job')[0] as Record<string, any>;
        const jobEnv = job.spec.template.spec.containers[0].env as Array<{ name: string; valueFrom?: unknown }>;
        expect(jobEnv.find((entry) => entry.name === 'APP_PASSWORD')?.valueFrom).toEqual({ secretKeyRef: { name: credentials.metadata.name, key: 'APP_PASSWORD' } });
      });

      it('compose runs the same pinned release, without projections or the deprecated AtomPub setting', () => {
        const compose = (parse(read('docker/compose.yml')) as Record<string, any>).services.kurrentdb;
        expect(compose.image).toBe(node.image);
        expect(compose.environment.KURRENTDB_RUN_PROJECTIONS).toBe('None');
        expect(compose.environment.KURRENTDB_START_STANDARD_PROJECTIONS).toBe('false');
        expect(Object.keys(compose.environment).filter((name) => name.includes('ATOM_PUB'))).toEqual([]);
      });
    });

    it('selects the same pods from the Service, PDB and HPA', () => {
      const labels = deployment.spec.template.metadata.labels;
      expect(deployment.spec.selector.matchLabels).toEqual(labels);
      expect(byKind('Service').spec.selector).toEqual(labels);
      expect(byKind('PodDisruptionBudget').spec.selector.matchLabels).toEqual(labels);
      expect(byKind('HorizontalPodAutoscaler').spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
      expect(byKind('HorizontalPodAutoscaler').spec.minReplicas).toBeGreaterThan(byKind('PodDisruptionBudget').spec.maxUnavailable);
    });

    it('validates every manifest: Kubernetes kinds against the official schemas, CloudNativePG kinds against ours', () => {
      const files = readdirSync(join(ROOT, 'docker/k8s')).filter((file) => /\.ya?ml$/.test(file) && file !== 'kustomization.yml');
      // Every manifest is deployed, except the example Secret (created from a secret store).
      expect(files.filter((file) => file !== 'secret.example.yml').sort()).toEqual([...kustomization.resources].sort());
      const results = validateManifests(files.map((file) => join(ROOT, 'docker/k8s', file)));
      expect(results.filter((result) => result.errors.length > 0)).toEqual([]);
      expect(results.length).toBeGreaterThanOrEqual(resources.length + 1);
    });

    it('the validation catches a wrong type, an unknown CloudNativePG field and a kind without a schema', () => {
      const directory = mkdtempSync(join(tmpdir(), 'manifests-'));
      try {
        const cluster = structuredClone(byKind('Cluster'));
        cluster.spec.instnces = 3;
        cluster.spec.postgresql.synchronous.method = 'all';
        cluster.spec.topologySpreadConstraints[0].maxSkew = 'one';
        const broken = structuredClone(deployment);
        broken.spec.template.spec.containers[0].ports[0].containerPort = '3000';
        const file = join(directory, 'broken.yml');
        writeFileSync(
          file,
          [cluster, broken, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }].map((manifest) => JSON.stringify(manifest)).join('\n---\n'),
        );
        const [clusterResult, deploymentResult, widget] = validateManifests([file]);
        expect(clusterResult!.errors).toEqual(
          expect.arrayContaining([
            expect.stringMatching(/^\/spec must NOT have additional properties .*instnces/),
            expect.stringMatching(/^\/spec\/postgresql\/synchronous\/method must be equal to one of the allowed values/),
            expect.stringMatching(/^\/spec\/topologySpreadConstraints\/0\/maxSkew type .*integer/),
          ]),
        );
        expect(deploymentResult!.errors).toEqual([expect.stringContaining('containerPort must be integer')]);
        expect(widget).toMatchObject({ schema: null, errors: ['no schema for example.com/v1 Widget'] });
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    });

    describe('PostgreSQL as a CloudNativePG Cluster', () => {
      const cluster = byKind('Cluster');
      const name = cluster.metadata.name as string;
      const env = (variable: string) => container.env.find((entry: { name: string }) => entry.name === variable);

      it('runs 3 instances with one synchronous standby, on different nodes spread across zones', () => {
        expect(cluster.spec.instances).toBe(3);
        expect(cluster.spec.postgresql.synchronous).toMatchObject({ method: 'any', number: 1, dataDurability: 'required' });
        expect(cluster.spec.affinity).toMatchObject({ enablePodAntiAffinity: true, podAntiAffinityType: 'required', topologyKey: 'kubernetes.io/hostname' });
        expect(cluster.spec.topologySpreadConstraints).toEqual([
          expect.objectContaining({ topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { 'cnpg.io/cluster': name } } }),
        ]);
      });

      it('archives WAL and takes scheduled backups to S3/MinIO with barman', () => {
        expect(cluster.spec.backup.barmanObjectStore.destinationPath).toMatch(/^s3:\/\//);
        expect(cluster.spec.postgresql.parameters.archive_timeout).toBe('60s');
        const backupSecret = yamlDocuments('docker/k8s/secret.example.yml').find((document) => document.metadata.name === 'alexandrite-backup-s3')!;
        const { accessKeyId, secretAccessKey } = cluster.spec.backup.barmanObjectStore.s3Credentials;
        for (const reference of [accessKeyId, secretAccessKey]) expect(backupSecret.stringData).toHaveProperty(reference.key);
        expect(byKind('ScheduledBackup').spec).toMatchObject({ cluster: { name }, method: 'barmanObjectStore', immediate: true });
        expect(byKind('Pooler').spec).toMatchObject({ cluster: { name }, pgbouncer: { poolMode: 'transaction' } });
      });

      it('gives the app the read-write service as DATABASE_URL and the read-only one as DATABASE_READ_URL, credentials from the operator Secret', () => {
        expect(env('DATABASE_URL').valueFrom).toEqual({ secretKeyRef: { name: `${name}-app`, key: 'uri' } });
        expect(env('PGPASSWORD').valueFrom).toEqual({ secretKeyRef: { name: `${name}-app`, key: 'password' } });
        const readUrl = new URL(env('DATABASE_READ_URL').value as string);
        expect(readUrl.hostname).toBe(`${name}-ro.${kustomizationNamespace}.svc.cluster.local`);
        expect([readUrl.username, readUrl.pathname]).toEqual([cluster.spec.bootstrap.initdb.owner, `/${cluster.spec.bootstrap.initdb.database}`]);
        expect(secret.stringData).not.toHaveProperty('DATABASE_URL');
      });
    });
  });
});
