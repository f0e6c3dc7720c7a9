/** Planting marker secrets and looking for them where no secret may be: manifests, argv, logs. */
import * as fs from 'fs';
import { K8sObject } from '../../constructs/testing/manifests';

/** A Secret the operator creates out of band, as a manifest object (for materializing mounted files). */
export function secretObject(name: string, data: Record<string, string>, namespace = 'monitoring'): K8sObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, stringData: data } as K8sObject;
}

/** The argument vector of a running process as the kernel shows it to anyone on the machine. */
export function processArgv(pid: number | undefined): string {
  if (pid === undefined) throw new Error('the process has no pid: it did not start');
  return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
}

/** Every (marker, place) where a marker value shows up; `places` maps a place's name to its text. */
export function leaks(markers: readonly string[], places: Readonly<Record<string, string>>): string[] {
  return markers.flatMap(marker => Object.entries(places).filter(([, text]) => text.includes(marker)).map(([place]) => `${marker} in ${place}`));
}
