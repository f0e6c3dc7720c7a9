/** Applies the API server's rules (k8s-names.ts) to the objects a construct creates, and picks names that fit them. */
import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { objectProblems, shortenName } from './names';

/**
 * The fix to name when a generated name is refused: object names are built from the chart id and the construct
 * ids on the path, lowercased, with a hash.
 */
const NAME_FIX = 'object names are made of the chart id and construct ids: use lowercase letters, digits and "-" in them, '
  + 'starting with a letter (e.g. new Chart(app, "team-monitoring")), and keep the path short';

/**
 * Adds a validation to `scope` that checks every ApiObject under it as the API server would. It runs at
 * `app.synth()`, before anything is written, so a refused object means no manifest at all.
 */
export function validateApiObjects(scope: Construct): void {
  scope.node.addValidation({
    validate: () => scope.node.findAll()
      .filter((c): c is ApiObject => c instanceof ApiObject)
      .flatMap(obj => objectProblems(obj.toJson()).map(problem => `${obj.node.path} (${obj.kind} "${obj.name}"): ${problem}. `
        + (problem.startsWith('metadata.name') ? NAME_FIX : 'fix the prop or file this value comes from'))),
  });
}

/**
 * The name the chart gives an ApiObject created at `scope/...ids`, without creating it: a detached copy of the
 * construct path makes the same name (cdk8s derives it from the path and its address only).
 */
export function generatedName(scope: Construct, ids: readonly string[], kind: string): string {
  const path = [...scope.node.scopes.map(s => s.node.id), ...ids];
  let probe = new Construct(undefined as unknown as Construct, path[0]);
  for (const id of path.slice(1)) probe = new Construct(probe, id);
  return Chart.of(scope).generateObjectName(Object.assign(probe, { kind }) as unknown as ApiObject);
}

/**
 * An explicit `metadata.name` for an ApiObject at `scope/...ids` whose generated name would be longer than `max`
 * (deterministically shortened with a hash), or undefined to keep the generated one.
 */
export function fittingName(scope: Construct, ids: readonly string[], kind: string, max: number): string | undefined {
  const name = generatedName(scope, ids, kind);
  return name.length > max ? shortenName(name, max) : undefined;
}
