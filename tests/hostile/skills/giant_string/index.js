export default {
  run() {
    let text = 'x';
    for (let i = 0; i < 40; i++) text += text;
    return text.length;
  },
};
