import { run } from './program';

// Set the code rather than exit, so stdout is flushed when it is a pipe.
void run(process.argv).then((code) => (process.exitCode = code));
