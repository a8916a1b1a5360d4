// SPDX-License-Identifier: Apache-2.0
// Schema validation of every object deploy/ ships. Built-in kinds: kubernetes-models' validators
// (Kubernetes 1.33 OpenAPI: types, required fields, enums) plus an unknown-field check against
// client-node's models (Kubernetes 1.34), because the apiserver's strict field validation rejects an
// unknown field and kubernetes-models does not. Custom resources: the JSON Schemas in schemas/, written
// from docs/reference.md §A.1-§3, docs/reference.md §B.2 and the projects' API references.
import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { Ajv, type ValidateFunction } from 'ajv';
import { APIService } from 'kubernetes-models/apiregistration.k8s.io/v1/APIService';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PodTemplate } from 'kubernetes-models/v1/PodTemplate';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { KubeObject } from './render.js';

/** A kubernetes-models class: built from the object without its apiVersion/kind, `validate()` throws. */
type KubeModel = new (data?: never) => { validate(): void };

interface BuiltIn {
  readonly model: KubeModel;
  /** The client-node model with the same fields. */
  readonly fields: string;
}

/** `apiVersion/kind` of every built-in kind deploy/ may use; anything else fails as unknown. */
const builtIns: Readonly<Record<string, BuiltIn>> = {
  'v1/Namespace': { model: Namespace, fields: 'V1Namespace' },
  'v1/ServiceAccount': { model: ServiceAccount, fields: 'V1ServiceAccount' },
  'v1/Service': { model: Service, fields: 'V1Service' },
  'v1/ConfigMap': { model: ConfigMap, fields: 'V1ConfigMap' },
  'v1/PodTemplate': { model: PodTemplate, fields: 'V1PodTemplate' },
  'apps/v1/Deployment': { model: Deployment, fields: 'V1Deployment' },
  'policy/v1/PodDisruptionBudget': { model: PodDisruptionBudget, fields: 'V1PodDisruptionBudget' },
  'rbac.authorization.k8s.io/v1/Role': { model: Role, fields: 'V1Role' },
  'rbac.authorization.k8s.io/v1/RoleBinding': { model: RoleBinding, fields: 'V1RoleBinding' },
  'rbac.authorization.k8s.io/v1/ClusterRole': { model: ClusterRole, fields: 'V1ClusterRole' },
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': {
    model: ClusterRoleBinding,
    fields: 'V1ClusterRoleBinding',
  },
  'apiregistration.k8s.io/v1/APIService': { model: APIService, fields: 'V1APIService' },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    model: HorizontalPodAutoscaler,
    fields: 'V2HorizontalPodAutoscaler',
  },
};

/** `apiVersion/kind` of every custom resource deploy/ may use, and its schema in schemas/. */
export const customSchemas: Readonly<Record<string, string>> = {
  'workloads.x-k8s.io/v1alpha2/RoleBasedGroup': 'rolebasedgroup.json',
  'workloads.x-k8s.io/v1alpha2/RoleBasedGroupScalingAdapter': 'rolebasedgroupscalingadapter.json',
  'keda.sh/v1alpha1/ScaledObject': 'scaledobject.json',
  'monitoring.coreos.com/v1/ServiceMonitor': 'servicemonitor.json',
  'monitoring.coreos.com/v1/PrometheusRule': 'prometheusrule.json',
  'cert-manager.io/v1/Certificate': 'certificate.json',
  'cert-manager.io/v1/Issuer': 'issuer.json',
};

// strictRequired off: `oneOf: [{ required: [a] }, { required: [b] }]` is how the schemas say "exactly one of".
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
const compiled = new Map<string, ValidateFunction>();

function customValidator(file: string): ValidateFunction {
  let validate = compiled.get(file);
  if (validate === undefined) {
    const schema = JSON.parse(readFileSync(new URL(`schemas/${file}`, import.meta.url), 'utf8')) as object;
    validate = ajv.compile(schema);
    compiled.set(file, validate);
  }
  return validate;
}

interface AttributeType {
  readonly baseName: string;
  readonly type: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The fields of a client-node model, by its class name (`V1PodSpec`); undefined for scalars. */
function modelFields(type: string): ReadonlyMap<string, string> | undefined {
  const model = (k8s as unknown as Record<string, { getAttributeTypeMap?: () => AttributeType[] }>)[type];
  const attributes = model?.getAttributeTypeMap?.();
  return attributes === undefined ? undefined : new Map(attributes.map((a) => [a.baseName, a.type]));
}

/** Paths of fields that the client-node model `type` does not have, recursively. */
export function unknownFields(value: unknown, type: string, path: string): string[] {
  const array = /^Array<(.+)>$/.exec(type);
  if (array !== null)
    return Array.isArray(value)
      ? value.flatMap((item, i) => unknownFields(item, array[1]!, `${path}[${i}]`))
      : [];
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map !== null)
    return isRecord(value)
      ? Object.entries(value).flatMap(([key, item]) => unknownFields(item, map[1]!, `${path}.${key}`))
      : [];
  const fields = modelFields(type);
  if (fields === undefined || !isRecord(value)) return [];
  return Object.entries(value).flatMap(([key, item]) => {
    const fieldType = fields.get(key);
    return fieldType === undefined
      ? [`${path}.${key}: unknown field`]
      : unknownFields(item, fieldType, `${path}.${key}`);
  });
}

function builtInErrors(object: KubeObject, builtIn: BuiltIn): string[] {
  const { apiVersion: _apiVersion, kind: _kind, ...data } = object;
  const errors = unknownFields(object, builtIn.fields, '');
  try {
    new builtIn.model(data as never).validate();
  } catch (error) {
    errors.push((error as Error).message);
  }
  return errors;
}

/** A RoleBasedGroup's pod templates, each checked as the core/v1 PodTemplate it is. */
function roleTemplateErrors(object: KubeObject): string[] {
  const roles = (object.spec as { roles?: { name: string; standalonePattern?: { template?: unknown } }[] })
    .roles;
  return (roles ?? []).flatMap((role) => {
    const template = role.standalonePattern?.template;
    if (template === undefined) return [];
    const wrapped: KubeObject = {
      apiVersion: 'v1',
      kind: 'PodTemplate',
      metadata: { name: role.name },
      template,
    };
    return validationErrors(wrapped).map((e) => `roles[${role.name}].standalonePattern: ${e}`);
  });
}

/** Every schema violation of `object`; empty when it is valid. An unknown kind is a violation. */
export function validationErrors(object: KubeObject): string[] {
  const key = `${object.apiVersion}/${object.kind}`;
  const builtIn = builtIns[key];
  if (builtIn !== undefined) return builtInErrors(object, builtIn);
  const schema = customSchemas[key];
  if (schema === undefined) return [`no schema for ${key}: add one to test/deploy/validate.ts`];
  const validate = customValidator(schema);
  const errors = validate(object)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  return object.kind === 'RoleBasedGroup' ? [...errors, ...roleTemplateErrors(object)] : errors;
}
