import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { displayPos, renderAbove, type InputState } from '../src/client/screen.js';
import { VirtualTerminal } from './fixtures/vt.js';

const screen = suite('printing above the input line');

/** A terminal showing the input as readline would, then the incoming text printed above it. */
function run(state: InputState, text: string, nextPrompt = state.prompt): VirtualTerminal {
  const vt = new VirtualTerminal(state.columns);
  vt.write(renderAbove(state, '')); // the input as it stands
  vt.write(renderAbove(state, text, '', nextPrompt));
  return vt;
}

screen('the incoming line goes above; the half-typed input and the cursor stay', () => {
  const vt = run({ prompt: '> ', line: 'hello wor', cursor: 9, columns: 80 }, ' > bob: hi\n');
  assert.equal(vt.text(), [' > bob: hi', '> hello wor']);
  assert.equal([vt.row, vt.col], [1, 11]);
});

screen('the cursor in the middle of the input stays there', () => {
  const vt = run({ prompt: '', line: 'abcdef', cursor: 2, columns: 80 }, 'one\ntwo\n');
  assert.equal(vt.text(), ['one', 'two', 'abcdef']);
  assert.equal([vt.row, vt.col], [2, 2]);
});

screen('an input wrapped over several rows is cleared whole and redrawn', () => {
  const state = { prompt: '> ', line: 'abcdefghijklmnopq', cursor: 5, columns: 8 };
  const vt = run(state, 'news\n');
  assert.equal(vt.text(), ['news', '> abcdef', 'ghijklmn', 'opq']);
  assert.equal([vt.row, vt.col], [1, 7]);
});

screen('an input that exactly fills its rows puts the cursor on the next row', () => {
  const vt = run({ prompt: '> ', line: 'abcdef', cursor: 6, columns: 8 }, 'x\n');
  assert.equal(vt.text()[0], 'x');
  assert.equal(vt.text()[1], '> abcdef');
  assert.equal([vt.row, vt.col], [2, 0]);
});

screen('the prompt can change while the line is redrawn (a server prompt finished)', () => {
  const vt = run({ prompt: 'name? ', line: 'al', cursor: 2, columns: 80 }, 'name? done\n', '');
  assert.equal(vt.text(), ['name? done', 'al']);
  assert.equal([vt.row, vt.col], [1, 2]);
});

screen('colour sequences in the prompt take no width', () => {
  assert.equal(displayPos('\x1b[93m> \x1b[39mab', 80), { rows: 0, cols: 4 });
});

screen('wide characters count two columns and wrap whole', () => {
  assert.equal(displayPos('日本語', 80), { rows: 0, cols: 6 });
  assert.equal(displayPos('abc日', 4), { rows: 1, cols: 2 });
  assert.equal(displayPos('e\u0301', 80), { rows: 0, cols: 1 });
});

screen('text without a final newline still ends its line', () => {
  const vt = run({ prompt: '', line: 'x', cursor: 1, columns: 80 }, 'no newline');
  assert.equal(vt.text(), ['no newline', 'x']);
});

screen.run();
