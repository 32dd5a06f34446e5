// The GraphQL Foundation's audit of GraphQL over HTTP (graphql-http's `serverAudits`), run
// against a server: `node audit.mjs http://127.0.0.1:8080/graphql`. Prints every result and
// exits 1 when a MUST or a SHOULD fails; a MAY not met is printed, not counted.
// tests/e2e/graphql_http.rs runs it against the real server; scripts/ensure-tools installs
// the package pinned by package-lock.json.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <address of /graphql>');
  process.exit(2);
}

let passed = 0;
let failed = 0;
let mayNotMet = 0;
// One at a time: the output reads in the audit's order and the server sees one client.
for (const audit of serverAudits({ url, fetchFn: fetch })) {
  const result = await audit.fn();
  if (result.status === 'ok') {
    passed += 1;
    console.log(`ok    ${audit.id} ${audit.name}`);
    continue;
  }
  const binding = audit.name.startsWith('MUST ') || audit.name.startsWith('SHOULD ');
  if (binding) {
    failed += 1;
  } else {
    mayNotMet += 1;
  }
  console.log(`${binding ? 'FAIL' : 'may '}  ${audit.id} ${audit.name}: ${result.reason}`);
}
console.log(
  `graphql-http audit of ${url}: ${passed} passed, ${failed} MUST or SHOULD failed, ${mayNotMet} MAY not met`,
);
process.exit(failed === 0 ? 0 : 1);
