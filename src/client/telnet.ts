// The server's telnet commands, taken out of what `node-chat connect` shows. Our server asks
// for binary mode at connect (IAC DO BINARY) for the sake of real telnet clients; shown as
// text, each 0xFF would be a U+FFFD on the user's screen. No command is answered: an offer
// left unanswered leaves that option off, and we send plain UTF-8 lines either way.

const IAC = 0xff;
const WILL = 251;
const DONT = 254;
const SB = 250;
const SE = 240;

const enum State {
  Data,
  Command, // after IAC
  Option, // after IAC WILL/WONT/DO/DONT: the option byte
  Sub, // inside IAC SB … IAC SE
  SubCommand, // IAC seen inside a subnegotiation
}

export class TelnetFilter {
  private state = State.Data;

  /** The data bytes of `chunk`, a command cut between reads included; `chunk` itself when it holds none. */
  push(chunk: Buffer): Buffer {
    if (this.state === State.Data && !chunk.includes(IAC)) return chunk;
    const out = Buffer.allocUnsafe(chunk.length);
    let w = 0;
    for (const b of chunk) {
      switch (this.state) {
        case State.Data:
          if (b === IAC) this.state = State.Command;
          else out[w++] = b;
          break;
        case State.Command:
          if (b === IAC) {
            out[w++] = b; // IAC IAC: a data 255
            this.state = State.Data;
          } else if (b >= WILL && b <= DONT) this.state = State.Option;
          else if (b === SB) this.state = State.Sub;
          else this.state = State.Data; // a two-byte command (NOP, GA…)
          break;
        case State.Option:
          this.state = State.Data;
          break;
        case State.Sub:
          if (b === IAC) this.state = State.SubCommand;
          break;
        case State.SubCommand:
          this.state = b === SE ? State.Data : State.Sub;
          break;
      }
    }
    return out.subarray(0, w);
  }
}
