package httpapi

import "net/http"

type pingResponse struct {
	Online bool `json:"online"`
}

type authResponse struct {
	Authenticated bool `json:"authenticated"`
}

func (s *server) handlePing(w http.ResponseWriter, r *http.Request) {
	encode(w, http.StatusOK, pingResponse{Online: true})
}

func (s *server) handleAuth(w http.ResponseWriter, r *http.Request) {
	encode(w, http.StatusOK, authResponse{Authenticated: true})
}
