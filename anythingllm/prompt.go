package anythingllm

// Context-window budgeting: the prompt sent to a model always fits its
// window, as AnythingLLM's "cannonball" compression does: the user message
// is kept (cut only if it alone is too big), the system prompt and its
// context are cut in the middle past their share, and history keeps the
// newest whole turns that fit.

// DefaultContextWindow is used when a model does not report its window.
const DefaultContextWindow = 4096

// windowReserve is left free for the answer.
const windowReserve = 600

const truncatedMark = "\n\n--prompt truncated for brevity--\n\n"

func (a *App) countTokens(s string) int {
	if a.deps.Tokenizer != nil {
		return a.deps.Tokenizer.CountTokens(s)
	}
	return (len(s) + 3) / 4
}

// messagesTokens costs a message list as upstream: 3 per message + content + 5.
func (a *App) messagesTokens(msgs []Message) int {
	n := 5
	for _, m := range msgs {
		n += 3 + a.countTokens(m.Content)
	}
	return n
}

// cutMiddle shortens s to about max tokens by removing its middle.
func (a *App) cutMiddle(s string, limit int) string {
	if a.countTokens(s) <= limit {
		return s
	}
	if limit <= 0 {
		return ""
	}
	r := []rune(s)
	// Shrink by characters until the token count fits; tokens ~ chars/4.
	keep := len(r) * limit / max(a.countTokens(s), 1)
	for keep > 0 {
		half := keep / 2
		out := string(r[:half]) + truncatedMark + string(r[len(r)-half:])
		if a.countTokens(out) <= limit {
			return out
		}
		keep = keep * 9 / 10
	}
	return truncatedMark
}

// fitWindow returns msgs (system, history..., user) cut to fit the model's
// prompt window.
func (a *App) fitWindow(m ChatModel, model string, msgs []Message) []Message {
	window := DefaultContextWindow
	if cw, ok := m.(ContextWindower); ok {
		if n := cw.ContextWindow(model); n > 0 {
			window = n
		}
	}
	// A token is at least one byte, so byte lengths bound the count: most
	// prompts fit without tokenizing anything.
	bound := 5
	for _, m := range msgs {
		bound += 3 + len(m.Content)
	}
	if bound+windowReserve < window || a.messagesTokens(msgs)+windowReserve < window {
		return msgs
	}
	system, user := msgs[0], msgs[len(msgs)-1]
	history := msgs[1 : len(msgs)-1]
	if a.countTokens(user.Content) > window*70/100 {
		user.Content = a.cutMiddle(user.Content, window*80/100-windowReserve/2)
		return []Message{user}
	}
	if limit := window * 15 / 100; a.countTokens(system.Content) > limit {
		system.Content = a.cutMiddle(system.Content, limit)
	}
	used := a.messagesTokens([]Message{system, user}) + windowReserve
	var kept []Message
	for i := len(history) - 2; i >= 0; i -= 2 {
		pair := history[i : i+2]
		cost := a.messagesTokens(pair) - 5
		if used+cost >= window {
			break
		}
		used += cost
		kept = append(append([]Message{}, pair...), kept...)
	}
	out := append([]Message{system}, kept...)
	return append(out, user)
}
