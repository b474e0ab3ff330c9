// The listmonk contract fake in a process of its own, for the sync benchmark: the tool is another program
// on the network, so its members (100,000 objects) and its serving (JSON pages) do not count in Poststelle's
// heap, RSS or CPU. Started with the member count; prints one JSON line {base, user, token, listId} when
// it listens, and ends when its stdin closes (the benchmark ended or died).
//   node --import tsx bench/lib/listmonk-host.ts 100000
import { FakeListmonk } from "../../test/fakes/listmonk.js";

const members = Number(process.argv[2]);
if (!Number.isInteger(members) || members < 0) throw new Error(`a member count, not ${process.argv[2]}`);
const fake = new FakeListmonk();
const list = fake.addList({ name: "Newsletter-Verteiler" });
fake.seedMembers(list.id, members);
const base = await fake.start();
process.stdout.write(
  `${JSON.stringify({ base, user: fake.user, token: fake.token, listId: String(list.id) })}\n`,
);
process.stdin.on("end", () => {
  void fake.close().then(() => process.exit(0));
});
process.stdin.resume();
