// Prints one plain closing line per jest run, "<project>: N passed, N failed, N skipped",
// so a log reader can total the projects of an `nx run-many` without parsing jest's table.
import { basename } from 'node:path';

export default class SummaryReporter {
  constructor(globalConfig) {
    this.project = basename(globalConfig.rootDir);
  }

  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = results;
    process.stdout.write(
      `${this.project}: ${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests + numTodoTests} skipped\n`,
    );
  }
}
