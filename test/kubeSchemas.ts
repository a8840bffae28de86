/**
 * Validation of Kubernetes objects against the OpenAPI schemas that `kubernetes-models`
 * (devDependency, 4.5.x; generated from the Kubernetes API's OpenAPI spec) ships: each
 * model's validate() checks types, enums and required fields of its kind. Loaded by a
 * computed specifier so the build does not need it; a test using it fails (never skips)
 * without it.
 */
type Model = new (o: never) => { validate(): void };

let models: Record<string, Model> | undefined;

async function load(): Promise<Record<string, Model>> {
  if (models) return models;
  const spec = (p: string) => `kubernetes-models/${p}`;
  let core: Record<string, Model>;
  let apps: Record<string, Model>;
  try {
    core = await import(spec('v1')) as Record<string, Model>;
    apps = await import(spec('apps/v1')) as Record<string, Model>;
  } catch (e) {
    throw new Error(`the kubernetes-models devDependency is not installed (npm install): ${(e as Error).message}`);
  }
  models = {
    'v1/Pod': core.Pod, 'v1/Service': core.Service, 'v1/PersistentVolumeClaim': core.PersistentVolumeClaim,
    'v1/ConfigMap': core.ConfigMap, 'v1/Secret': core.Secret, 'apps/v1/Deployment': apps.Deployment,
  };
  return models;
}

/** Throws with the kind, name and the schema's complaint for the first invalid object. */
export async function validateKube(objs: Record<string, unknown>[]): Promise<void> {
  const m = await load();
  for (const o of objs) {
    const key = `${o.apiVersion}/${o.kind}`;
    const M = m[key];
    if (!M) throw new Error(`no schema for ${key}`);
    try {
      new M(o as never).validate();
    } catch (e) {
      throw new Error(`${key} ${(o.metadata as { name?: string })?.name}: ${(e as Error).message}`);
    }
  }
}
