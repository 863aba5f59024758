import { notAvailable } from '../not-available.js';

export default notAvailable('snapshot verify', 'part 3: recovery');
