import { CodeBlock } from "./ui/empty-state";

/** What a new user runs to get the first exposures and events in: curl against the public API, or the SDK. */
export function FirstEventsSnippet({ origin, experiment, control, treatment }: { origin: string; experiment: string; control: string; treatment: string }) {
  const curl = `# exposures: one per user, with the variant the user saw
curl -X POST ${origin}/api/v1/events \\
  -H "Authorization: Bearer $VERDICT_CLIENT_KEY" -H "content-type: application/json" \\
  -d '{"events":[
    {"id":"e1","type":"exposure","userId":"u1","experiment":"${experiment}","variant":"${treatment}"},
    {"id":"e2","type":"exposure","userId":"u2","experiment":"${experiment}","variant":"${control}"},
    {"id":"e3","type":"page_load","userId":"u1","value":812},
    {"id":"e4","type":"engagement","userId":"u2"}
  ]}'

# or let Verdict assign (and log the exposure) for you
curl -X POST ${origin}/api/v1/assign \\
  -H "Authorization: Bearer $VERDICT_CLIENT_KEY" -H "content-type: application/json" \\
  -d '{"userId":"u3","attributes":{"region":"eu"}}'`;
  const sdk = `import { VerdictClient } from "./sdk"; // src/sdk: one runtime dependency (re2js, linear-time regex rules)

const verdict = new VerdictClient({ baseUrl: "${origin}", clientKey: process.env.VERDICT_CLIENT_KEY });
await verdict.init();
const variant = verdict.getVariant("${experiment}", { userId: "u1" }); // logs the exposure once
verdict.track({ type: "page_load", userId: "u1", value: 812 });`;
  return (
    <div className="space-y-2">
      <p>Send the first exposures and KPI events with the client key, from a shell:</p>
      <CodeBlock label="curl example">{curl}</CodeBlock>
      <p>or from your app with the SDK:</p>
      <CodeBlock label="SDK example">{sdk}</CodeBlock>
      <p>
        Or rehearse with simulated traffic (from the project folder, after <code>source .verdict/initial-credentials.env</code>):{" "}
        <code>
          npm run simulate -- --base-url {origin} --experiment {experiment} --users 5000
        </code>
      </p>
    </div>
  );
}
