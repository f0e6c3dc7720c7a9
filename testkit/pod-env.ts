/**
 * What the kubelet does to a container's environment and arguments before starting it: fill the
 * Downward API (`fieldRef`), read `secretKeyRef`/`configMapKeyRef`, and expand `$(VAR)` references in env
 * values and args. Pure functions, no process here.
 */
import * as crypto from 'crypto';
import type { Container, K8sObject } from '../constructs/testing/manifests';

/** What a pod knows about itself. */
export interface PodIdentity {
  readonly name: string;
  readonly namespace: string;
  /** The pod IP: here its loopback address. */
  readonly ip: string;
  readonly nodeName?: string;
  readonly serviceAccountName?: string;
}

/** Downward API field paths Kubernetes supports in env `fieldRef`. */
function fieldValue(fieldPath: string, pod: PodIdentity, containerName: string): string {
  switch (fieldPath) {
    case 'metadata.name':
      return pod.name;
    case 'metadata.namespace':
      return pod.namespace;
    case 'status.podIP':
    case 'status.podIPs':
      return pod.ip;
    case 'status.hostIP':
    case 'status.hostIPs':
      return pod.ip;
    case 'spec.nodeName':
      return pod.nodeName ?? 'e2e-node';
    case 'spec.serviceAccountName':
      return pod.serviceAccountName ?? 'default';
    default:
      throw new Error(`container "${containerName}": Downward API fieldRef ${fieldPath} is not supported by the e2e pod runner`);
  }
}

/**
 * Kubernetes' `$(VAR)` expansion: `$(NAME)` becomes the value of NAME when defined, stays as written when
 * not, and `$$` is an escaped `$`.
 */
export function expandK8sVars(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (name === undefined) return '$';
    return Object.prototype.hasOwnProperty.call(env, name) ? env[name] : match;
  });
}

/**
 * The environment of `container` in `pod`, as the kubelet builds it: in declaration order, each value may
 * refer to the variables declared before it.
 */
export function containerEnv(container: Container, pod: PodIdentity, objects: readonly K8sObject[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of container.env ?? []) {
    if (entry.value !== undefined) {
      env[entry.name] = expandK8sVars(entry.value, env);
    } else if (entry.valueFrom?.fieldRef) {
      env[entry.name] = fieldValue(entry.valueFrom.fieldRef.fieldPath, pod, container.name);
    } else if (entry.valueFrom?.secretKeyRef || entry.valueFrom?.configMapKeyRef) {
      const ref = entry.valueFrom.secretKeyRef ?? entry.valueFrom.configMapKeyRef;
      const kind = entry.valueFrom.secretKeyRef ? 'Secret' : 'ConfigMap';
      const value = keyValue(objects, kind, ref.name, ref.key);
      if (value === undefined && !ref.optional) {
        throw new Error(`container "${container.name}": env ${entry.name} reads ${kind} ${ref.name} key ${ref.key}, which is not in the manifests`);
      }
      if (value !== undefined) env[entry.name] = value;
    } else if (entry.valueFrom) {
      throw new Error(`container "${container.name}": env ${entry.name}: valueFrom ${Object.keys(entry.valueFrom).join(',')} is not supported by the e2e pod runner`);
    } else {
      env[entry.name] = '';
    }
  }
  return env;
}

/** A Deployment pod name as the ReplicaSet controller makes it: `<deployment>-<template hash>-<5 chars>`. */
export function deploymentPodName(deployment: K8sObject): string {
  const templateHash = crypto.createHash('sha256').update(JSON.stringify(deployment.spec?.template ?? {})).digest('hex').slice(0, 10);
  return `${deployment.metadata.name}-${templateHash}-${randomSuffix()}`;
}

/** A StatefulSet pod name: `<statefulset>-<ordinal>`. */
export function statefulSetPodName(statefulSet: K8sObject, ordinal: number): string {
  return `${statefulSet.metadata.name}-${ordinal}`;
}

/** Kubernetes' generateName alphabet (no vowels, no ambiguous characters). */
const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const NAME_SUFFIX_LENGTH = 5;

function randomSuffix(): string {
  return Array.from(crypto.randomBytes(NAME_SUFFIX_LENGTH), (b) => NAME_SUFFIX_ALPHABET[b % NAME_SUFFIX_ALPHABET.length]).join('');
}

function keyValue(objects: readonly K8sObject[], kind: string, name: string, key: string): string | undefined {
  const obj = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!obj) return undefined;
  if (kind === 'Secret') {
    if (obj.stringData?.[key] !== undefined) return String(obj.stringData[key]);
    return obj.data?.[key] !== undefined ? Buffer.from(String(obj.data[key]), 'base64').toString('utf8') : undefined;
  }
  return obj.data?.[key] !== undefined ? String(obj.data[key]) : undefined;
}
