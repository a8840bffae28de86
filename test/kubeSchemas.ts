/**
 * Validation of Kubernetes objects against the OpenAPI schemas that `kubernetes-models`
 * (devDependency, 4.5.x; generated from the Kubernetes API's OpenAPI spec) ships: each
 * model's validate() checks types, enums and required fields of its kind.
 */
import { ConfigMap, PersistentVolumeClaim, Pod, Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';

const MODELS: Record<string, new (o: never) => { validate(): void }> = {
  'v1/Pod': Pod as never, 'v1/Service': Service as never, 'v1/PersistentVolumeClaim': PersistentVolumeClaim as never,
  'v1/ConfigMap': ConfigMap as never, 'v1/Secret': Secret as never, 'apps/v1/Deployment': Deployment as never,
};

/** Throws with the kind, name and the schema's complaint for the first invalid object. */
export function validateKube(objs: Record<string, unknown>[]): void {
  for (const o of objs) {
    const key = `${o.apiVersion}/${o.kind}`;
    const M = MODELS[key];
    if (!M) throw new Error(`no schema for ${key}`);
    try {
      new M(o as never).validate();
    } catch (e) {
      throw new Error(`${key} ${(o.metadata as { name?: string })?.name}: ${(e as Error).message}`);
    }
  }
}
