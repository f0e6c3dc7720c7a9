/** Temporary directories for one test file, removed after its tests ran. Call at the top level of the file. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export function temporaryDirectories(): (prefix: string) => string {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  });
  return prefix => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}
