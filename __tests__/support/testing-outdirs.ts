/**
 * Jest setup (setupFilesAfterEnv): cdk8s's Testing.app() makes a /tmp/cdk8s.outdir.* directory for every app
 * and never removes it (a full run left about 160). Remove the ones this test file made once its tests ran.
 */
import * as fs from 'fs';
import { AppProps, Testing } from 'cdk8s';

const madeOutdirs: string[] = [];
const testingApp = Testing.app.bind(Testing);

// Testing.chart() calls this.app(), so replacing the static method covers both.
Testing.app = (props?: AppProps) => {
  const app = testingApp(props);
  if (!props?.outdir) madeOutdirs.push(app.outdir);
  return app;
};

afterAll(() => {
  for (const dir of madeOutdirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
