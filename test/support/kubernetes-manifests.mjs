// Validates Kubernetes manifests (YAML files, every document) against schemas, for
// src/infrastructure/observability/deployment-manifests.unit.spec.ts. An ES module run as its
// own process because kubernetes-models ships ES modules only, which jest's CommonJS runtime cannot load.
//
//   node test/support/kubernetes-manifests.mjs <file.yml>...   prints [{ file, kind, name, schema, errors }] as JSON
//
// - Kubernetes kinds: kubernetes-models, whose validators are compiled (with ajv) from the official
//   Kubernetes OpenAPI definitions. They check types, enums and required fields; like the OpenAPI
//   definitions themselves they accept unknown fields. cert-manager kinds likewise, from its CRDs
//   (@kubernetes-models/cert-manager).
// - CloudNativePG kinds: our narrow schemas in test/fixtures/k8s-schemas/cloudnative-pg (see their
//   $comment), with ajv; unknown fields are errors there, and the Kubernetes types they embed are
//   checked with kubernetes-models through the `x-kubernetes-models` keyword.
// A kind with neither is reported with schema null and an error: every manifest must be checked.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { parseAllDocuments } from 'yaml';

const SCHEMAS = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'k8s-schemas');
const CUSTOM = {
  'postgresql.cnpg.io/v1': { Cluster: 'cloudnative-pg/cluster', ScheduledBackup: 'cloudnative-pg/scheduledbackup', Pooler: 'cloudnative-pg/pooler' },
};

/** The compiled validator of one Kubernetes definition, e.g. IoK8sApiCoreV1PodSpec. */
async function kubernetesDefinition(name) {
  const module = await import(`kubernetes-models/_schemas/${name}`);
  return module.validate;
}

async function customValidator(path) {
  const schema = JSON.parse(readFileSync(join(SCHEMAS, `${path}.schema.json`), 'utf8'));
  const definitions = new Map();
  for (const name of new Set(JSON.stringify(schema).match(/"x-kubernetes-models":"(\w+)"/g) ?? [])) {
    const definition = name.slice('"x-kubernetes-models":"'.length, -1);
    definitions.set(definition, await kubernetesDefinition(definition));
  }
  const ajv = new Ajv({ allErrors: true, strict: true });
  ajv.addKeyword({
    keyword: 'x-kubernetes-models',
    schemaType: 'string',
    errors: true,
    validate: function check(definition, data, _parent, context) {
      const validate = definitions.get(definition);
      if (validate(data)) return true;
      check.errors = validate.errors.map((error) => ({ ...error, instancePath: `${context.instancePath}${error.instancePath}` }));
      return false;
    },
  });
  return ajv.compile(schema);
}

/** Packages of models (from the kubernetes-models project) for CRDs the manifests use, by API group. */
const CRD_MODELS = { 'cert-manager.io': '@kubernetes-models/cert-manager' };

/** Kubernetes kind by apiVersion: `v1` is the core group, `apps/v1` the apps group, and so on. */
async function kubernetesValidator(apiVersion, kind) {
  try {
    const models = CRD_MODELS[apiVersion.split('/')[0]] ?? 'kubernetes-models';
    const module = await import(`${models}/${apiVersion}/${kind}`);
    const Model = module[kind];
    return (data) => {
      try {
        new Model(data).validate();
        return [];
      } catch (error) {
        return [String(error.message ?? error)];
      }
    };
  } catch {
    return undefined;
  }
}

const results = [];
for (const file of process.argv.slice(2)) {
  for (const document of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const manifest = document.toJS();
    if (manifest === null || manifest === undefined) continue;
    const { apiVersion, kind } = manifest;
    const name = manifest.metadata?.name;
    const custom = CUSTOM[apiVersion]?.[kind];
    if (custom) {
      const validate = await customValidator(custom);
      const errors = validate(manifest) ? [] : validate.errors.map((error) => `${error.instancePath || '/'} ${error.message ?? error.keyword} ${JSON.stringify(error.params)}`);
      results.push({ file, kind, name, schema: custom, errors });
      continue;
    }
    const validate = await kubernetesValidator(apiVersion, kind);
    if (validate) results.push({ file, kind, name, schema: `${CRD_MODELS[apiVersion.split('/')[0]] ?? 'kubernetes-models'} ${apiVersion}`, errors: validate(manifest) });
    else results.push({ file, kind, name, schema: null, errors: [`no schema for ${apiVersion} ${kind}`] });
  }
}
console.log(JSON.stringify(results, null, 2));
